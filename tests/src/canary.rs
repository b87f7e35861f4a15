//! The token canary's search: the forms a token could leak in (raw, base64 in both alphabets,
//! hex in both cases) and a byte search, shared by the app-core canary and the real window's.

/// `bytes` in base64 with `alphabet`, without padding.
pub fn base64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// The forms a token could leak in.
pub fn forms(token: &str) -> Vec<String> {
    const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let hex: String = token.bytes().map(|b| format!("{b:02x}")).collect();
    vec![
        token.to_owned(),
        base64(token.as_bytes(), STD),
        base64(token.as_bytes(), URL),
        hex.clone(),
        hex.to_uppercase(),
    ]
}

/// Whether `haystack` holds `needle` (needles under 8 bytes never match: too short to mean a token).
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    needle.len() >= 8 && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_right() {
        const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        assert_eq!(base64(b"Man", STD), "TWFu");
        assert_eq!(base64(b"Ma", STD), "TWE");
        assert_eq!(forms("ab")[3], "6162");
    }
}
