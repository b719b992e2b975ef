//! Dockerfile → [`ConfigDoc`] (placeholder until the Dockerfile front end lands).
use super::{ConfigDoc, ParseError};

pub fn parse(_text: &str) -> Result<Vec<ConfigDoc>, ParseError> {
    Ok(Vec::new())
}
