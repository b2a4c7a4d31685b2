//! The on-chain format: WAT round trip, custom sections stripped, validation, brotli and the
//! `EF F0 00 00` prefix.

use std::io::{Read, Write};

use wasmparser::{Parser, Payload};

use super::validate::{ValidationError, validate};

/// Prefix of a classic Stylus program with the empty brotli dictionary: `EF F0 00` marks a Stylus
/// program, the fourth byte selects the dictionary (0 = none).
pub const STYLUS_PREFIX: [u8; 4] = [0xEF, 0xF0, 0x00, 0x00];

/// Largest on-chain code (prefix included) Arbitrum accepts by default (EIP-170).
pub const MAX_CODE_SIZE: usize = 24_576;

/// Brotli quality and window, as `cargo stylus deploy` compresses.
const BROTLI_QUALITY: u32 = 11;
const BROTLI_WINDOW: u32 = 22;
/// The dictionary byte of the only format we produce and accept.
const EMPTY_DICTIONARY: u8 = 0;

/// A contract as `cargo stylus deploy` uploads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processed {
    /// The processed wasm: round-tripped through WAT, custom sections stripped, validated.
    pub wasm: Vec<u8>,
    /// The on-chain code: [`STYLUS_PREFIX`] followed by brotli of `wasm`.
    pub code: Vec<u8>,
}

/// Why a wasm could not be processed or a code could not be decompressed.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The input is not a wasm module that prints as WAT.
    #[error("cannot print the wasm as WAT ({0}); is this the rustc output of a contract crate?")]
    Print(String),
    /// The printed WAT did not parse back (a wasmprinter/wat mismatch).
    #[error("the WAT round trip failed ({0}); report this with the offending wasm")]
    Reparse(String),
    /// The module breaks one of Nitro's rules.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The code does not start with `EF F0 00`.
    #[error(
        "not a Stylus program: code must start with EF F0 00; deploy processed code, not raw wasm"
    )]
    NotStylus,
    /// The code uses a brotli dictionary other than the empty one.
    #[error(
        "unsupported brotli dictionary {0}: only dictionary 0 (none) is supported; recompress without a dictionary"
    )]
    UnsupportedDictionary(u8),
    /// The compressed payload is not valid brotli.
    #[error("the program's brotli payload is corrupt ({0})")]
    Corrupt(String),
    /// The decompressed wasm exceeds the chain's limit.
    #[error("the decompressed wasm exceeds {max} bytes; shrink the contract or raise the limit")]
    TooLarge {
        /// The limit in bytes.
        max: usize,
    },
}

/// Processes rustc's raw wasm exactly as `cargo stylus deploy` would upload it: WAT round trip
/// (which also canonicalizes the padded `call_indirect` encoding Nitro rejects), custom sections
/// stripped, validation against Nitro's rules, brotli (quality 11, window 22), `EF F0 00 00`.
pub fn process(raw: &[u8]) -> Result<Processed, ArtifactError> {
    let wat = wasmprinter::print_bytes(raw).map_err(|e| ArtifactError::Print(e.to_string()))?;
    let round_tripped = wat::parse_str(&wat).map_err(|e| ArtifactError::Reparse(e.to_string()))?;
    let wasm = strip_custom_sections(&round_tripped)?;
    validate(&wasm)?;
    let code = compress(&wasm);
    Ok(Processed { wasm, code })
}

/// Decompresses on-chain code back to its wasm, rejecting anything but `EF F0 00 00` programs
/// and wasm larger than `max_wasm` bytes.
pub fn decompress(code: &[u8], max_wasm: usize) -> Result<Vec<u8>, ArtifactError> {
    if code.len() < STYLUS_PREFIX.len() || code[..3] != STYLUS_PREFIX[..3] {
        return Err(ArtifactError::NotStylus);
    }
    if code[3] != EMPTY_DICTIONARY {
        return Err(ArtifactError::UnsupportedDictionary(code[3]));
    }
    let mut wasm = Vec::new();
    // Read one byte past the limit to tell "exactly max" from "too large".
    brotli::Decompressor::new(&code[STYLUS_PREFIX.len()..], 4096)
        .take(max_wasm as u64 + 1)
        .read_to_end(&mut wasm)
        .map_err(|e| ArtifactError::Corrupt(e.to_string()))?;
    if wasm.len() > max_wasm {
        return Err(ArtifactError::TooLarge { max: max_wasm });
    }
    Ok(wasm)
}

/// On-chain code for `wasm` as it is, unchecked: [`STYLUS_PREFIX`] + brotli(`wasm`).
pub fn compress(wasm: &[u8]) -> Vec<u8> {
    let mut code = STYLUS_PREFIX.to_vec();
    let mut writer = brotli::CompressorWriter::new(&mut code, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
    writer
        .write_all(wasm)
        .expect("writing into a Vec cannot fail");
    drop(writer);
    code
}

/// Copies every section of `wasm` except custom ones (names, producers, debug info).
fn strip_custom_sections(wasm: &[u8]) -> Result<Vec<u8>, ArtifactError> {
    let mut module = wasm_encoder::Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| ArtifactError::Reparse(e.to_string()))?;
        if matches!(payload, Payload::CustomSection(_)) {
            continue;
        }
        if let Some((id, range)) = payload.as_section() {
            let start = usize::try_from(range.start).expect("a section inside a slice");
            let end = usize::try_from(range.end).expect("a section inside a slice");
            module.section(&wasm_encoder::RawSection {
                id,
                data: &wasm[start..end],
            });
        }
    }
    Ok(module.finish())
}
