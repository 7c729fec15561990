//! `tracker`: SEEMiS tracking exports in, traffic lights and follow-up lists out.
//!
//! Data flows one way: CSV export -> [`ingest`] -> [`store`] (Parquet +
//! manifest) -> [`rules`] (pure) -> [`reports`] -> [`output`].

pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod exit;
pub mod ingest;
pub mod kinds;
pub mod output;
pub mod par;
pub mod reports;
pub mod rules;
#[cfg(test)]
mod seeded;
pub mod settings;
pub mod store;
