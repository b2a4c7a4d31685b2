//! Unknown methods answered in geth's words. jsonrpsee says "Method not found"; ethers (and
//! other clients that follow geth) recognise only `the method <name> does not exist/is not
//! available` and otherwise report an unknown error instead of an unsupported operation. The
//! code stays `-32601`, in single calls and in batches, over HTTP and WebSocket.

use std::future::Future;

use jsonrpsee::{
    MethodResponse, Methods,
    core::middleware::{
        Batch, BatchEntry, BatchEntryErr, Notification, ResponseFuture, RpcServiceT,
    },
    types::{ErrorCode, ErrorObjectOwned, Request},
};

/// The error for a call of `method`, which the node does not serve.
pub(crate) fn not_found(method: &str) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        ErrorCode::MethodNotFound.code(),
        format!("the method {method} does not exist/is not available"),
        None::<()>,
    )
}

/// Wraps jsonrpsee's service with [`UnknownMethod`].
#[derive(Clone)]
pub(crate) struct UnknownMethodLayer(pub(crate) Methods);

impl<S> tower::Layer<S> for UnknownMethodLayer {
    type Service = UnknownMethod<S>;

    fn layer(&self, inner: S) -> Self::Service {
        UnknownMethod {
            inner,
            methods: self.0.clone(),
        }
    }
}

/// Answers calls of methods that `methods` lacks itself; passes the rest to `inner`.
#[derive(Clone)]
pub(crate) struct UnknownMethod<S> {
    inner: S,
    methods: Methods,
}

impl<S> UnknownMethod<S> {
    fn serves(&self, request: &Request<'_>) -> bool {
        self.methods.method(request.method_name()).is_some()
    }
}

impl<S> RpcServiceT for UnknownMethod<S>
where
    S: RpcServiceT<
            MethodResponse = MethodResponse,
            BatchResponse = MethodResponse,
            NotificationResponse = MethodResponse,
        > + Send
        + Sync,
{
    type MethodResponse = MethodResponse;
    type NotificationResponse = MethodResponse;
    type BatchResponse = MethodResponse;

    fn call<'a>(&self, request: Request<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        if self.serves(&request) {
            ResponseFuture::future(self.inner.call(request))
        } else {
            let error = not_found(request.method_name());
            ResponseFuture::ready(MethodResponse::error(request.id, error))
        }
    }

    fn batch<'a>(&self, mut batch: Batch<'a>) -> impl Future<Output = MethodResponse> + Send + 'a {
        for entry in batch.iter_mut() {
            let unknown = match entry {
                Ok(BatchEntry::Call(request)) if !self.serves(request) => Some(BatchEntryErr::new(
                    request.id.clone(),
                    not_found(request.method_name()),
                )),
                _ => None,
            };
            if let Some(error) = unknown {
                *entry = Err(error);
            }
        }
        self.inner.batch(batch)
    }

    fn notification<'a>(
        &self,
        notification: Notification<'a>,
    ) -> impl Future<Output = MethodResponse> + Send + 'a {
        self.inner.notification(notification)
    }
}
