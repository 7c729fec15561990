//! The store's manifest as one JSON value, as tests look at it: the
//! `ingests` and `files` of every school, read from the segments that
//! `manifest.json` names (format 2), or from `manifest.json` itself
//! (format 1).

use std::path::Path;

use serde_json::Value;

/// None when the store has no `manifest.json`.
pub fn read(store: &Path) -> Option<Value> {
    let bytes = std::fs::read(store.join("manifest.json")).ok()?;
    let mut m: Value = serde_json::from_slice(&bytes).expect("manifest parses");
    if m["format"] == 2 {
        let (mut ingests, mut files) = (Vec::new(), Vec::new());
        for s in m["schools"].as_array().expect("schools") {
            let path = store.join(s["path"].as_str().expect("segment path"));
            let seg: Value =
                serde_json::from_slice(&std::fs::read(&path).expect("segment")).expect("parses");
            ingests.extend(seg["ingests"].as_array().expect("ingests").iter().cloned());
            files.extend(seg["files"].as_array().expect("files").iter().cloned());
        }
        m["ingests"] = Value::Array(ingests);
        m["files"] = Value::Array(files);
    }
    Some(m)
}

/// [`read`], or panic.
pub fn of(store: &Path) -> Value {
    read(store).expect("the store has a manifest")
}

/// Write `m` (as [`read`] gives it, changed by a test) back: each school's
/// records into the segment `manifest.json` names for it, and
/// `manifest.json` with the segments' new digests.
pub fn write(store: &Path, m: &Value) {
    use sha2::{Digest, Sha256};
    let mut top = m.clone();
    let ingests = top.as_object_mut().unwrap().remove("ingests").unwrap();
    let files = top.as_object_mut().unwrap().remove("files").unwrap();
    for s in top["schools"].as_array_mut().expect("format 2") {
        let school = s["school"].clone();
        let of = |v: &Value| -> Vec<Value> {
            let all = v.as_array().unwrap().iter();
            all.filter(|r| r["school"] == school).cloned().collect()
        };
        let seg = serde_json::json!({
            "school": school,
            "ingests": of(&ingests),
            "files": of(&files),
        });
        let bytes = serde_json::to_vec_pretty(&seg).unwrap();
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        std::fs::write(store.join(s["path"].as_str().unwrap()), &bytes).unwrap();
        s["sha256"] = digest.into();
    }
    std::fs::write(
        store.join("manifest.json"),
        serde_json::to_vec_pretty(&top).unwrap(),
    )
    .unwrap();
}
