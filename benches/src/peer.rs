//! The peer framework row: `tarpc` (bincode over a Unix socket, tokio), the same echo
//! service, each side on a single-threaded tokio runtime so that it gets one core as
//! ours does.
//!
//! Chosen over `zbus` peer-to-peer and `tonic` for being the lightest of the three to
//! build here (no `protoc`, fewest crates; see `README.md` for the compile times
//! measured) while being a real RPC framework: generated stubs, request ids,
//! deadlines, a multiplexed connection.

use std::path::Path;

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use tarpc::serde_transport::unix;
use tarpc::server::{self, Channel};
use tarpc::tokio_serde::formats::Bincode;
use tarpc::{client, context};

use crate::measure::{self, Measurement};

/// The row's name: `peer_tarpc`.
pub(crate) const NAME: &str = "tarpc";

/// The service (`tarpc` generates `EchoClient` and `serve()`).
#[tarpc::service]
trait Echo {
    async fn echo(v: i32) -> i32;
    async fn echo_bytes(data: serde_bytes::ByteBuf) -> serde_bytes::ByteBuf;
}

#[derive(Clone)]
struct EchoServer;

impl Echo for EchoServer {
    async fn echo(self, _: context::Context, v: i32) -> i32 {
        v
    }
    async fn echo_bytes(
        self,
        _: context::Context,
        data: serde_bytes::ByteBuf,
    ) -> serde_bytes::ByteBuf {
        data
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Serves the echo service at `path` until killed.
pub(crate) fn serve(path: &Path, on_ready: impl FnOnce() -> Result<()>) -> Result<()> {
    runtime()?.block_on(async {
        let mut listener = unix::listen(path, Bincode::default).await?;
        listener.config_mut().max_frame_length(64 << 20);
        on_ready()?;
        while let Some(transport) = listener.next().await {
            let channel = server::BaseChannel::with_defaults(transport?);
            tokio::spawn(
                channel
                    .execute(EchoServer.serve())
                    .for_each(|response| async move {
                        tokio::spawn(response);
                    }),
            );
        }
        Ok(())
    })
}

/// `warmup` + `iters` calls of `echo` (`size` 4) or `echo_bytes` (any other size).
pub(crate) fn client(
    path: &Path,
    size: usize,
    warmup: u64,
    iters: u64,
    on_warm: impl FnOnce() -> Result<()>,
) -> Result<Measurement> {
    let rt = runtime()?;
    let client = rt.block_on(async {
        let mut connect = unix::connect(path, Bincode::default);
        connect.config_mut().max_frame_length(64 << 20);
        let transport = connect.await.context("connecting")?;
        anyhow::Ok(EchoClient::new(client::Config::default(), transport).spawn())
    })?;
    let data = serde_bytes::ByteBuf::from((0..size).map(|i| i as u8).collect::<Vec<u8>>());
    measure::run(
        warmup,
        iters,
        |i| {
            rt.block_on(async {
                if size == 4 {
                    let v = i as i32;
                    let got = client.echo(context::current(), v).await?;
                    if got != v {
                        bail!("echo({v}) returned {got}");
                    }
                } else {
                    let got = client.echo_bytes(context::current(), data.clone()).await?;
                    if got.len() != size {
                        bail!("echo_bytes returned {} bytes, sent {size}", got.len());
                    }
                }
                Ok(())
            })
        },
        on_warm,
    )
}
