//! `cloudless token …`: the marketplace's payment and stake token — balances, approvals and, on
//! dev chains, minting from the TestUSDC owner; plus the allowance check every deposit uses.

use alloy_primitives::{Address, U256};
use clap::Subcommand;
use cloudless_abi::erc20::IStylusToken;
use serde_json::json;

use alloy::{network::TransactionBuilder, rpc::types::TransactionRequest};
use alloy_sol_types::SolCall;

use crate::chain::{
    self, Session, WriteArgs, output,
    revert::Reverted,
    send::{Sent, function_name},
};

/// `cloudless token` subcommands. Amounts are token base units (6 decimals for TestUSDC).
#[derive(Subcommand)]
pub enum Command {
    /// Show an account's token balance and its allowances to the registry and market.
    Balance {
        /// The account [default: the wallet's].
        account: Option<Address>,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Create tokens for an account (the TestUSDC owner only, i.e. the deployer on a dev chain).
    Mint {
        /// Who receives them.
        to: Address,
        /// How many (base units).
        amount: U256,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Send tokens to an account.
    Transfer {
        /// Who receives them.
        to: Address,
        /// How many (base units).
        amount: U256,
        #[command(flatten)]
        args: WriteArgs,
    },
    /// Allow a spender (`registry`, `market` or an address) to spend the wallet's tokens.
    /// Stake, deploy and top-up commands approve what they need by themselves.
    Approve {
        /// `registry`, `market` or an address.
        spender: String,
        /// The allowance (base units).
        amount: U256,
        #[command(flatten)]
        args: WriteArgs,
    },
}

/// Runs a `token` subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Balance { account, args } => chain::read(args, move |s| balance(s, account)),
        Command::Mint { to, amount, args } => {
            let call = IStylusToken::mintCall { to, amount };
            let summary = json!({ "to": to.to_string(), "amount": amount.to_string() });
            chain::send_one(args, Session::token, call, summary)
        }
        Command::Transfer { to, amount, args } => {
            let call = IStylusToken::transferCall { to, value: amount };
            let summary = json!({ "to": to.to_string(), "amount": amount.to_string() });
            chain::send_one(args, Session::token, call, summary)
        }
        Command::Approve {
            spender,
            amount,
            args,
        } => chain::write(args, move |s| async move {
            let spender = match spender.as_str() {
                "registry" => s.registry(),
                "market" => s.market(),
                other => other.parse().map_err(|_| {
                    anyhow::anyhow!(
                        "spender {other:?} is neither `registry`, `market` nor an address"
                    )
                })?,
            };
            let call = IStylusToken::approveCall {
                spender,
                value: amount,
            };
            let sent = s.client.send(s.token(), call).await?;
            output::report(
                s.json,
                &[sent],
                json!({ "spender": spender.to_string(), "allowance": amount.to_string() }),
            );
            Ok(())
        }),
    }
}

async fn balance(s: Session, account: Option<Address>) -> anyhow::Result<()> {
    let account = chain::account_or_wallet(&s, account, "an ACCOUNT")?;
    let token = s.token();
    let balance = s
        .client
        .view(token, IStylusToken::balanceOfCall { owner: account })
        .await?;
    let allowance = |spender| {
        s.client.view(
            token,
            IStylusToken::allowanceCall {
                owner: account,
                spender,
            },
        )
    };
    let report = json!({
        "account": account.to_string(),
        "token": token.to_string(),
        "balance": balance.to_string(),
        "allowance_registry": allowance(s.registry()).await?.to_string(),
        "allowance_market": allowance(s.market()).await?.to_string(),
    });
    output::fields(s.json, &report);
    Ok(())
}

/// Calls `call` on `to` from the wallet, which pays `amount` to `spender`: when the allowance
/// falls short, the call is simulated first and `approve` is sent only if the call fails for
/// want of it (any other revert is reported with nothing sent). Returns the transactions sent.
pub async fn send_paying<C: SolCall + Clone>(
    s: &Session,
    spender: Address,
    amount: U256,
    to: Address,
    call: C,
) -> anyhow::Result<Vec<Sent>> {
    let owner = s.client.sender()?;
    let token = s.token();
    let allowance = s
        .client
        .view(token, IStylusToken::allowanceCall { owner, spender })
        .await?;
    let mut sent = Vec::new();
    if allowance < amount {
        let tx = TransactionRequest::default()
            .with_from(owner)
            .with_to(to)
            .with_input(call.abi_encode());
        if let Err(error) = s.client.simulate(function_name::<C>(), &tx).await {
            let wants_allowance = error.downcast_ref::<Reverted>().is_some_and(|reverted| {
                [
                    "TokenTransferFailed",
                    "InsufficientAllowance",
                    "ERC20InsufficientAllowance",
                ]
                .contains(&reverted.name.as_str())
            });
            if !wants_allowance {
                return Err(error);
            }
        }
        let approve = IStylusToken::approveCall {
            spender,
            value: amount,
        };
        sent.push(s.client.send(token, approve).await?);
    }
    sent.push(s.client.send(to, call).await?);
    Ok(sent)
}

#[cfg(test)]
mod cli_tests {
    use clap::Subcommand;

    #[test]
    fn flags_are_consistent() {
        super::Command::augment_subcommands(clap::Command::new("token")).debug_assert();
    }
}
