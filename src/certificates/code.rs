//! Verification codes: `POC-XXXX-XXXX-XXXX`, twelve Crockford base-32 symbols (60 random bits),
//! short enough to type from paper. Crockford's alphabet has no I, L, O or U, and reading
//! accepts the usual slips (lower case, O for 0, I or L for 1, missing hyphens).

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

pub fn generate() -> String {
    let bits: u64 = rand::random::<u64>() >> 4; // 60 bits
    let symbols: String =
        (0..12).rev().map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char).collect();
    format!("POC-{}-{}-{}", &symbols[0..4], &symbols[4..8], &symbols[8..12])
}

/// The canonical form of a code as typed, or `None` if it cannot be one.
pub fn normalise(typed: &str) -> Option<String> {
    let cleaned: String =
        typed.chars().filter(|c| !matches!(c, '-' | ' ')).collect::<String>().to_ascii_uppercase();
    let body = cleaned.strip_prefix("POC").unwrap_or(&cleaned);
    if body.len() != 12 {
        return None;
    }
    let mut symbols = String::with_capacity(12);
    for c in body.chars() {
        let c = match c {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        };
        if !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        symbols.push(c);
    }
    Some(format!("POC-{}-{}-{}", &symbols[0..4], &symbols[4..8], &symbols[8..12]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_typeable_shape_and_differ() {
        let a = generate();
        assert_eq!(a.len(), 18);
        assert!(a.starts_with("POC-"));
        assert_eq!(normalise(&a).as_deref(), Some(a.as_str()));
        assert_ne!(a, generate());
    }

    #[test]
    fn typing_slips_are_forgiven_and_garbage_refused() {
        assert_eq!(normalise("poc 7k3m q9xd 2htr").as_deref(), Some("POC-7K3M-Q9XD-2HTR"));
        assert_eq!(normalise("POC-7K3M-Q9XD-2HTO").as_deref(), Some("POC-7K3M-Q9XD-2HT0"));
        assert_eq!(normalise("7K3MQ9XD2HTL").as_deref(), Some("POC-7K3M-Q9XD-2HT1"));
        assert!(normalise("POC-7K3M-Q9XD").is_none());
        assert!(normalise("POC-7K3M-Q9XD-2HTU").is_none(), "U is not in the alphabet");
        assert!(normalise("<script>").is_none());
    }
}
