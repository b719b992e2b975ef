//! Offline verifiers a text rule can name with `verify:`: a format check that tells a real
//! credential from a look-alike without any network call.

/// A verifier named in a rule file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verifier {
    /// GitHub's token format, also used by npm: `<prefix>_<random><checksum>`, where the last six
    /// characters are the CRC32 of the random part, base62-encoded (`0-9A-Za-z`) and zero-padded.
    GithubChecksum,
}

impl Verifier {
    /// Every name accepted by `verify:`.
    pub const NAMES: &[&str] = &["github-checksum"];

    pub fn parse(name: &str) -> Option<Verifier> {
        match name {
            "github-checksum" => Some(Verifier::GithubChecksum),
            _ => None,
        }
    }

    /// Whether `value` (the rule's secret) verifies as real.
    pub fn verifies(self, value: &str) -> bool {
        match self {
            Verifier::GithubChecksum => github_checksum_ok(value),
        }
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib computes it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// `n` in base62, left-padded with `0` to six digits (a u32 needs at most six).
pub fn base62_6(mut n: u32) -> String {
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|&b| b as char).collect()
}

/// The part after the last `_` is the body; its last six characters must be the base62 CRC32 of
/// the rest of it.
fn github_checksum_ok(token: &str) -> bool {
    let body = token.rsplit('_').next().unwrap_or(token);
    if body.len() <= 6 || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    // All ASCII (checked above), so byte indexing is on a character boundary.
    let (random, check) = body.split_at(body.len() - 6);
    base62_6(crc32(random.as_bytes())) == check
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        // The CRC-32 check value of "123456789" is 0xCBF43926 (zlib, PNG, Ethernet).
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn base62_pads_to_six_digits() {
        assert_eq!(base62_6(0), "000000");
        assert_eq!(base62_6(61), "00000z");
        assert_eq!(base62_6(62), "000010");
        assert_eq!(base62_6(u32::MAX), "4gfFC3");
    }

    #[test]
    fn github_checksum() {
        let random = "Zx81QmRt5vLpW2aYc7NdKe4HsJ0fGu";
        assert_eq!(random.len(), 30);
        let check = base62_6(crc32(random.as_bytes()));
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "npm_"] {
            let token = format!("{prefix}{random}{check}");
            assert!(Verifier::GithubChecksum.verifies(&token), "{token}");
        }
        // One character of the random part or of the checksum changed.
        let bad_random = format!("ghp_Zx81QmRt5vLpW2aYc7NdKe4HsJ0fGv{check}");
        assert!(!Verifier::GithubChecksum.verifies(&bad_random));
        let mut bad_check = check.clone();
        let last = if bad_check.ends_with('A') { 'B' } else { 'A' };
        bad_check.pop();
        bad_check.push(last);
        assert!(!Verifier::GithubChecksum.verifies(&format!("ghp_{random}{bad_check}")));
        // Too short, or not base62.
        assert!(!Verifier::GithubChecksum.verifies("ghp_abc123"));
        assert!(!Verifier::GithubChecksum.verifies("ghp_"));
        assert!(!Verifier::GithubChecksum.verifies(""));
        assert!(!Verifier::GithubChecksum.verifies("ghp_Zx81QmRt5vLpW2aYc7NdKe4HsJ0fGu-00000"));
        assert!(!Verifier::GithubChecksum.verifies("ghp_Zx81QmRt5vLpW2aYc7NdKe4HsJ0fGué0000"));
    }

    #[test]
    fn names_parse() {
        for n in Verifier::NAMES {
            assert!(Verifier::parse(n).is_some());
        }
        assert_eq!(Verifier::parse("luhn"), None);
    }
}
