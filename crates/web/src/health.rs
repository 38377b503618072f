//! `/healthz` and `/readyz` ([`sesshu_http::health`]) over the store.

use crate::state::AppState;
use sesshu_store::StoreError;

impl sesshu_http::health::Ready for AppState {
    async fn ready(&self) -> Result<(), StoreError> {
        self.store().ping().await
    }
}
