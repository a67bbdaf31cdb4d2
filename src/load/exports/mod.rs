//! Readers for the small Azure and Microsoft 365 exports: Defender pricings and settings,
//! licences, and Resource Graph `resourcecontainers` rows. Each turns a parsed JSON document into
//! typed records, or says what is wrong with it.
