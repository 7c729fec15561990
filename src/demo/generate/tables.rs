//! The small built-in lists every synthetic pupil, teacher and course is
//! drawn from, and the header spellings of each export.

use std::sync::LazyLock;

pub(super) const WINDOWS: [(&str, &str); 2] =
    [("2025-26/1", "2025-26_1"), ("2025-26/2", "2025-26_2")];
pub(super) const KINDS: [&str; 5] = ["pupils", "bge", "senior", "overrides", "interventions"];
pub(super) const SCALE: [&str; 14] = [
    "E", "Ea", "Eb", "Ec", "1a", "1b", "1c", "2a", "2b", "2c", "3a", "3b", "3c", "4",
];
pub(super) const SCALE_UPPER: [&str; 14] = [
    "E", "EA", "EB", "EC", "1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "3C", "4",
];
pub(super) const BANDS: [&str; 4] = ["N5 A/B", "N5 C/D", "N5 Sfw/SCQF L5", "N4/SCQF L4"];
/// SPEC 4.1's default pathway as positions on `SCALE`, checkpoints S1/1 .. S3/2.
pub(super) const PATHWAY: [[usize; 6]; 4] = [
    [8, 8, 11, 11, 13, 13],
    [7, 8, 9, 10, 12, 13],
    [6, 7, 8, 9, 11, 12],
    [5, 6, 7, 8, 9, 11],
];
pub(super) const HOUSES: [&str; 4] = ["Arran", "Iona", "Lomond", "Nevis"];
pub(super) const BGE_SUBJECTS: u8 = 11;
pub(super) const APP_MATHS: u8 = 21;
/// Senior Phase options besides English and Mathematics (indices into `SUBJECTS`).
pub(super) const ELECTIVES: [u8; 17] =
    [2, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
/// Course levels 0 AH, 1 H, 2 N5, 3 N4, each in the spellings SEEMiS exports use.
pub(super) const COURSE_LEVELS: [[&str; 3]; 4] = [
    ["AH", "Adv Higher", "Advanced Higher"],
    ["H", "Higher", "Higher"],
    ["N5", "National 5", "Nat 5"],
    ["N4", "National 4", "N4"],
];
pub(super) const COURSE_SHORT: [&str; 4] = ["AH", "H", "N5", "N4"];
pub(super) const N4: u8 = 3;

/// Header rows per kind (in `KINDS` order): canonical, then two sets of SPEC 2
/// aliases. The column order never changes.
pub(super) const HEADERS: [[&str; 3]; 5] = [
    [
        "SCN|Forename|Surname|Stage|Reg Class|House|Gender|SIMD Decile|FSM|ASN|Care Experienced|\
         Young Carer|EAL|Attendance|CAT Mean SAS|Pathway Band",
        "Candidate Number|First Name|Last Name|Year Group|Registration Class|House|Sex|\
         SIMD 2020 Decile|Free School Meals|Additional Support Needs|Looked After|Young Carer|\
         English as an Additional Language|Attendance %|CAT4 Mean SAS|Predicted Band",
        "SCN|Forename|Surname|Stage|Reg Group|House|Gender|SIMD Decile|FSM|ASN|CEYP|Young Carer|\
         EAL|Attendance Percentage|Mean SAS|Pathway Band",
    ],
    [
        "SCN|Forename|Surname|Stage|Subject|Class|Teacher|Level|Effort|Behaviour|Homework|Comment",
        "Candidate Number|Forename|Surname|Year|Subject Name|Class Code|Class Teacher|CfE Level|\
         Effort|Behaviour|Homework|Report Comment",
        "Pupil ID|Forenames|Surname|Stage|Subject|Class|Teacher|Working Level|Effort|Behaviour|\
         Homework|Comment",
    ],
    [
        "SCN|Forename|Surname|Stage|Subject|Course Level|Target Grade|Working Grade|Class|Teacher|\
         Effort|Behaviour|Homework|Comment",
        "Candidate Number|Forename|Surname|Year|Course|Qualification Level|Target|Working|\
         Class Code|Class Teacher|Effort|Behaviour|Homework|Report Comment",
        "Scottish Candidate Number|First Name|Last Name|Stage|Course Title|Level|TG|WG|Class|\
         Teacher|Effort|Behaviour|Homework|Comment",
    ],
    [
        "SCN|Lead Role|Lead Name|Reason",
        "Candidate Number|Lead Role|Lead Name|Reason",
        "SCN|Lead Role|Lead Name|Reason",
    ],
    [
        "SCN|Intervention|Subject|Date|Staff|Notes",
        "Candidate Number|Intervention Type|Subject|Date|Recorded By|Notes",
        "SCN|Support|Subject|Date|Staff|Notes",
    ],
];

/// The invented names and phrases, `|`-separated to keep them compact.
macro_rules! list {
    ($name:ident, $text:expr) => {
        pub(super) static $name: LazyLock<Vec<&str>> = LazyLock::new(|| $text.split('|').collect());
    };
}
/// (name, class-code abbreviation). The first `BGE_SUBJECTS` are the BGE curriculum.
pub(super) static SUBJECTS: LazyLock<Vec<(&str, &str)>> = LazyLock::new(|| {
    let all = "English:En|Mathematics:Ma|French:Fr|Science:Sc|History:Hi|Geography:Gg|\
    Computing Science:Cs|Art and Design:Ar|Music:Mu|Physical Education:Pe|RME:Re|Biology:Bi|\
    Chemistry:Ch|Physics:Ph|Spanish:Sp|Modern Studies:Ms|Graphic Communication:Gc|\
    Design and Manufacture:Dm|Drama:Dr|Business Management:Bm|Practical Cookery:Pc|\
    Applications of Mathematics:Am";
    all.split('|').filter_map(|s| s.split_once(':')).collect()
});
list!(
    GIRLS,
    "Isla|Olivia|Freya|Emily|Ava|Sophie|Amelia|Grace|Ella|Lucy|Millie|Eilidh|Ruby|\
    Orla|Skye|Niamh|Caitlin|Erin|Kirsty|Morven|Ailsa|Rhona|Catriona|Mia"
);
list!(
    BOYS,
    "Jack|Noah|Oliver|Leo|Harris|Rory|Lewis|James|Finlay|Alexander|Callum|Archie|\
    Lachlan|Fraser|Euan|Angus|Hamish|Ruaridh|Murray|Cameron|Kyle|Jamie|Logan|Ethan"
);
// Names with letters outside ASCII, so the Windows-1252 file has bytes that are not UTF-8.
list!(GIRLS_ACCENTED, "Mòrag|Chloé|Zoë|Seònaid");
list!(BOYS_ACCENTED, "Iñigo|Seán|Dòmhnall|Ciarán");
list!(
    SURNAMES,
    "Smith|Brown|Wilson|Campbell|Stewart|Thomson|Robertson|Anderson|MacDonald|\
    Scott|Reid|Murray|Taylor|Clark|Ross|Watson|Morrison|Paterson|Young|Mitchell|Fraser|Walker|\
    Graham|Hamilton|Kerr|Johnston|Munro|Hunter|McLean|Grant|Sinclair|Duncan|Ferguson|\
    Henderson|MacLeod|McKenzie|Gray|Boyle|O'Neill|Docherty|Gallacher|Nowak|Khan|Singh"
);
list!(SURNAMES_ACCENTED, "Muñoz|Peña|Ó Néill");
list!(TITLES, "Mr|Ms|Mrs|Miss|Dr");
list!(
    ON_TRACK_COMMENTS,
    "Works hard in class.|Is making good progress this term.|\
    Contributes well to group tasks.|Works well, and listens carefully to feedback.|\
    Has settled well into the course.|Takes care with the presentation of work.|\
    Shows real interest in the subject.|Has shown real improvement this term."
);
list!(
    OFF_TRACK_COMMENTS,
    "Needs to complete homework on time.|Must catch up on missed work.|\
    Would benefit from asking for help when stuck.|\
    Finds the current topic difficult, and needs to revise.|\
    Is not yet working at the expected level.|Attendance is affecting progress."
);
list!(
    NEXT_STEPS,
    "Keep it up!|Next step: use feedback to improve written answers.|\
    Please attend supported study on Tuesdays.|Next step: \"show the working\" in every answer.|\
    Revise little and often, using the class notes.|Next step: read more widely at home."
);
list!(LEAD_ROLES, "Guidance Teacher|Year Head|Subject PT");
list!(
    REASONS,
    "Already supported by guidance|Family circumstances, known to guidance|\
    Attendance plan in place|Agreed at the Progress Intervention meeting|\
    New to the school; transition support"
);
list!(
    SUBJECT_INTERVENTIONS,
    "Supported study|Subject check-in|Homework club|Learning support"
);
list!(
    WHOLE_SCHOOL_INTERVENTIONS,
    "Guidance meeting|Parental contact|Mentoring|\
    Attendance monitoring"
);
list!(
    NOTES,
    "|Follow up in four weeks|Parent informed, agreed next steps|Attending weekly|\
    Referred to pupil support"
);
