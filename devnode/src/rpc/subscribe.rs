//! `eth_subscribe` / `eth_unsubscribe` over WebSocket: `newHeads` and `logs` (with a filter).

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use alloy::rpc::types::Filter;
use jsonrpsee::{
    PendingSubscriptionSink, RpcModule, SubscriptionMessage,
    core::{SubscriptionResult, traits::IdProvider},
    types::{ErrorObjectOwned, SubscriptionId},
};
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;

use super::{Shared, convert, eth};
use crate::Error;

/// Subscription ids as hex quantities (`0x1`, `0x2`, …), the form alloy parses.
#[derive(Debug, Default)]
pub(crate) struct HexIds(AtomicU64);

impl IdProvider for HexIds {
    fn next_id(&self) -> SubscriptionId<'static> {
        let n = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        SubscriptionId::Str(format!("0x{n:x}").into())
    }
}

enum Kind {
    NewHeads,
    Logs(Box<Filter>),
}

pub(super) fn register(module: &mut RpcModule<Shared>) -> Result<(), Error> {
    module
        .register_subscription(
            "eth_subscribe",
            "eth_subscription",
            "eth_unsubscribe",
            |params, pending, shared, _| async move { subscribe(params, pending, shared).await },
        )
        .map_err(|e| Error::Register(e.to_string()))?;
    Ok(())
}

async fn subscribe(
    params: jsonrpsee::types::Params<'static>,
    pending: PendingSubscriptionSink,
    shared: Arc<Shared>,
) -> SubscriptionResult {
    let mut seq = params.sequence();
    let kind = match seq.next::<String>() {
        Ok(name) if name == "newHeads" => Kind::NewHeads,
        Ok(name) if name == "logs" => match seq.optional_next::<Filter>() {
            Ok(filter) => Kind::Logs(Box::new(filter.unwrap_or_default())),
            Err(e) => {
                pending.reject(e).await;
                return Ok(());
            }
        },
        Ok(name) => {
            let e = ErrorObjectOwned::owned(
                -32602,
                format!("unsupported subscription: {name}"),
                None::<()>,
            );
            pending.reject(e).await;
            return Ok(());
        }
        Err(e) => {
            pending.reject(e).await;
            return Ok(());
        }
    };
    let mut blocks = shared.events.subscribe();
    let sink = pending.accept().await?;
    loop {
        let block = tokio::select! {
            _ = sink.closed() => return Ok(()),
            next = blocks.recv() => match next {
                Ok(block) => block,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return Ok(()),
            },
        };
        match &kind {
            Kind::NewHeads => {
                if sink.send(message(&convert::header(&block))?).await.is_err() {
                    return Ok(());
                }
            }
            Kind::Logs(filter) => {
                for log in convert::block_logs(&block) {
                    if eth::matches(filter, &log) && sink.send(message(&log)?).await.is_err() {
                        return Ok(());
                    }
                }
            }
        }
    }
}

fn message<T: Serialize>(value: &T) -> Result<SubscriptionMessage, serde_json::Error> {
    Ok(serde_json::value::to_raw_value(value)?.into())
}
