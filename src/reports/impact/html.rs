//! The "Interventions" section of the summary's HTML page.
