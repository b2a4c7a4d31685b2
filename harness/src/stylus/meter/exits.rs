//! Block types for the exit block each instrumented body runs in: a block that yields the
//! function's results, so a branch to the function's own label still passes the release of its
//! stack units. Functions with several results need a `[] -> results` type, reused from the type
//! section when one exists, else appended to it.

use wasm_encoder::BlockType;
use wasmparser::ValType;

use super::encode::val_type;
use super::error::Rejection;
use super::module::ModuleInfo;

/// Exit block types of a module's own functions.
#[derive(Debug, Default)]
pub(super) struct ExitTypes {
    /// Block type of each own function, in order.
    pub(super) per_func: Vec<BlockType>,
    /// Result lists of the `[] -> results` types to append to the type section, in order.
    pub(super) appended: Vec<Vec<ValType>>,
}

/// Plans the exit block types of every own function of `info`.
pub(super) fn plan(info: &ModuleInfo) -> Result<ExitTypes, Rejection> {
    let mut exits = ExitTypes::default();
    for local in 0..info.bodies.len() as u32 {
        let results = info.local_func_type(local)?.results();
        let block = match results {
            [] => BlockType::Empty,
            [one] => BlockType::Result(val_type(*one)?),
            many => BlockType::FunctionType(exits.type_for(info, many)),
        };
        exits.per_func.push(block);
    }
    Ok(exits)
}

impl ExitTypes {
    /// Index of a `[] -> results` type, appending one if needed.
    fn type_for(&mut self, info: &ModuleInfo, results: &[ValType]) -> u32 {
        if let Some(index) = info.sigs.find_results_only(results) {
            return index;
        }
        let position = match self.appended.iter().position(|r| r == results) {
            Some(position) => position,
            None => {
                self.appended.push(results.to_vec());
                self.appended.len() - 1
            }
        };
        info.sigs.type_count() + position as u32
    }
}
