//! Rust bindings generated from the committed artifacts' ABIs: the compiled fixtures are the one
//! source of truth for their interfaces, so the bindings cannot drift from the bytecode.

use alloy_sol_types::sol;

sol!(
    #[sol(all_derives)]
    Caller,
    "artifacts/Caller.json"
);
sol!(
    #[sol(all_derives)]
    DaoTreasury,
    "artifacts/DaoTreasury.json"
);
sol!(
    #[sol(all_derives)]
    Deployer,
    "artifacts/Deployer.json"
);
sol!(
    #[sol(all_derives)]
    Store,
    "artifacts/Store.json"
);
sol!(
    #[sol(all_derives)]
    TestUSDC,
    "artifacts/TestUSDC.json"
);
sol!(
    #[sol(all_derives)]
    FeeToken,
    "artifacts/FeeToken.json"
);
sol!(
    #[sol(all_derives)]
    NoBoolToken,
    "artifacts/NoBoolToken.json"
);
sol!(
    #[sol(all_derives)]
    ReentrantToken,
    "artifacts/ReentrantToken.json"
);
