//! Standard base64 (`+`, `/`, `=` padding), which is how .NET writes `byte[]` in JSV, through the `base64` crate.
//! Reading is lenient as .NET's is: white space is skipped and padding is optional.

use base64::{
    alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
    Engine,
};

const WRITE: GeneralPurpose = base64::engine::general_purpose::STANDARD;
const READ: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub(crate) fn encode(bytes: &[u8], out: &mut String) {
    WRITE.encode_string(bytes, out);
}

/// Decodes standard base64; whitespace is ignored and padding is optional. `None` when the text is not base64.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    READ.decode(compact).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_decodes() {
        for (bytes, text) in
            [(&b""[..], ""), (b"f", "Zg=="), (b"fo", "Zm8="), (b"foo", "Zm9v"), (&[0, 65, 97, 255][..], "AEFh/w==")]
        {
            let mut s = String::new();
            encode(bytes, &mut s);
            assert_eq!(s, text);
            assert_eq!(decode(text).as_deref(), Some(bytes));
        }
        assert_eq!(decode("a"), None);
        assert_eq!(decode("Zg=x"), None);
        assert_eq!(decode("Z*"), None);
        assert_eq!(decode("Zm9v\n Zg").as_deref(), Some(&b"foof"[..]));
    }
}
