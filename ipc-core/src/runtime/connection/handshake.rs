//! The handshake that opens a connection.

use super::*;

/// How long a peer may take to complete the handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an accepted peer may take to say hello.
const ACCEPT_TIMEOUT: Duration = Duration::from_secs(2);

/// A server's root object as its hello names it: id and token.
pub(crate) type RootRef = (u64, Token);

fn peer_credentials(stream: &UnixStream) -> Result<Credentials> {
    let creds = nix::sys::socket::getsockopt(stream, nix::sys::socket::sockopt::PeerCredentials)
        .map_err(|e| StatusCode::from(-(e as i32)))?;
    Ok(Credentials {
        pid: creds.pid(),
        uid: creds.uid(),
        gid: creds.gid(),
    })
}

/// Reads exactly one frame from a blocking stream (handshake only), with the
/// descriptors that came with it.
fn read_one_frame(stream: &UnixStream, max_len: usize) -> Result<(Message, Vec<OwnedFd>)> {
    let mut fds = VecDeque::new();
    let mut read_exact = |buf: &mut [u8]| -> Result<()> {
        let mut got = 0;
        while got < buf.len() {
            match crate::sys::recv_with_fds(stream.as_raw_fd(), &mut buf[got..], &mut fds, true) {
                Ok(0) => return Err(StatusCode::DEAD_OBJECT),
                Ok(n) => got += n,
                Err(e) => return Err(crate::runtime::io_status(&e)),
            }
        }
        Ok(())
    };
    let mut header = [0u8; HEADER_LEN];
    read_exact(&mut header)?;
    let h = protocol::decode_header(&header, max_len)?;
    let mut frame = vec![0u8; h.len];
    frame[..HEADER_LEN].copy_from_slice(&header);
    read_exact(&mut frame[HEADER_LEN..])?;
    let message = protocol::decode(&frame)?;
    Ok((message, fds.into_iter().collect()))
}

fn send_on(stream: &UnixStream, message: &Message, fds: &[OwnedFd]) -> Result<()> {
    let frame = protocol::encode(message, fds.len())?;
    let borrowed: Vec<_> = fds.iter().map(AsFd::as_fd).collect();
    // A throwaway socket transport: it only writes, so it needs no reader state.
    UnixTransport::new(
        stream
            .try_clone()
            .map_err(|e| crate::runtime::io_status(&e))?,
        HANDSHAKE_TIMEOUT,
    )
    .send(&frame.parts(), &borrowed)
    .map_err(|e| crate::runtime::io_status(&e))
}

fn kind_name(message: &Message) -> &'static str {
    match message {
        Message::Hello { .. } => "hello",
        Message::Transaction { .. } => "transaction",
        Message::Reply { .. } => "reply",
        Message::Acquire { .. } => "acquire",
        Message::Release { .. } => "release",
        Message::Bye { .. } => "bye",
        Message::Received { .. } => "received",
    }
}

impl Connection {
    /// The client side of the handshake: say hello (proposing rings, with their
    /// memfd, unless this process is configured for sockets), hear the server's hello
    /// (with its root object, if it has one, and the transport it accepted), and
    /// register the connection.
    ///
    /// `introduction` names an object of the server this process was handed: a
    /// process of another uid is admitted to a private address only with one.
    pub(crate) fn handshake_as_client(
        stream: UnixStream,
        introduction: Option<RootRef>,
    ) -> Result<(Arc<Connection>, Option<RootRef>)> {
        let rt = runtime();
        let peer = peer_credentials(&stream)?;
        let _ = stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
        let mut rings = None;
        let mut fds = Vec::new();
        if rt.config.transport == crate::runtime::TransportKind::SharedMemory {
            let socket = stream
                .try_clone()
                .map_err(|e| crate::runtime::io_status(&e))?;
            match ShmTransport::create(socket, rt.config.ring_size, rt.config.spin) {
                Ok((mut transport, memfd)) => {
                    transport.set_send_timeout(rt.config.send_timeout);
                    rings = Some(transport);
                    fds.push(memfd);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot create shared rings; using the socket")
                }
            }
        }
        let hello = Message::Hello {
            version: PROTOCOL_VERSION,
            address: rt.address.clone(),
            max_transaction: rt.max_transaction_u32(),
            transport: if rings.is_some() {
                TRANSPORT_SHM
            } else {
                TRANSPORT_SOCKET
            },
            ring_size: rings.as_ref().map_or(0, |_| rt.config.ring_size as u32),
            root: introduction,
        };
        send_on(&stream, &hello, &fds)?;
        drop(fds);
        let (address, peer_max, accepted, root) = match read_one_frame(&stream, 64 * 1024)?.0 {
            Message::Hello {
                version,
                address,
                max_transaction,
                transport,
                root,
                ..
            } if version == PROTOCOL_VERSION => (address, max_transaction, transport, root),
            Message::Hello { version, .. } => {
                tracing::warn!(version, "server speaks another protocol version");
                return Err(StatusCode::BAD_VALUE);
            }
            Message::Bye { reason } => {
                tracing::warn!(%reason, "server refused the connection");
                return Err(StatusCode::PERMISSION_DENIED);
            }
            _ => return Err(StatusCode::BAD_VALUE),
        };
        let _ = stream.set_read_timeout(None);
        let transport: Box<dyn Transport> = match rings {
            Some(rings) if accepted == TRANSPORT_SHM => Box::new(rings),
            _ => Box::new(UnixTransport::new(stream, rt.config.send_timeout)),
        };
        let conn = Connection::new(transport, peer, address, peer_max, true);
        rt.register(&conn);
        rt.pool.watch_connection(&conn);
        Ok((conn, root))
    }

    /// The server side: hear the client's hello, map its rings if it proposed them
    /// (and this process allows them), answer with our hello and the root object,
    /// and register the connection.
    pub(crate) fn handshake_as_server(
        stream: UnixStream,
        root: Option<&SpIBinder>,
        same_user_only: bool,
    ) -> Result<Arc<Connection>> {
        let rt = runtime();
        let peer = peer_credentials(&stream)?;
        let _ = stream.set_read_timeout(Some(ACCEPT_TIMEOUT));
        let refuse = |reason: String| {
            tracing::warn!(pid = peer.pid, uid = peer.uid, %reason, "refusing connection");
            let _ = send_on(&stream, &Message::Bye { reason }, &[]);
        };
        let limit = rt.config.max_connections_per_uid;
        if rt.connections_from(peer.uid) >= limit {
            refuse(format!(
                "too many connections from uid {} (limit {limit})",
                peer.uid
            ));
            return Err(StatusCode::NO_MEMORY);
        }
        let (address, peer_max, proposed, ring_size, fds) = match read_one_frame(&stream, 64 * 1024)
        {
            Ok((
                Message::Hello {
                    version,
                    address,
                    max_transaction,
                    transport,
                    ring_size,
                    root: introduction,
                },
                fds,
            )) if version == PROTOCOL_VERSION => {
                let my_uid = nix::unistd::getuid().as_raw();
                let introduced =
                    introduction.is_some_and(|(id, token)| rt.nodes.lookup(id, &token).is_ok());
                if same_user_only && peer.uid != my_uid && peer.uid != 0 && !introduced {
                    refuse(format!(
                        "uid {} may not connect to a process of uid {my_uid} without a reference to one of its objects",
                        peer.uid
                    ));
                    return Err(StatusCode::PERMISSION_DENIED);
                }
                (address, max_transaction, transport, ring_size, fds)
            }
            Ok((Message::Hello { version, .. }, _)) => {
                refuse(format!(
                    "unsupported protocol version {version}; this process speaks {PROTOCOL_VERSION}"
                ));
                return Err(StatusCode::BAD_VALUE);
            }
            Ok((other, _)) => {
                refuse(format!("expected a hello, got {:?}", kind_name(&other)));
                return Err(StatusCode::BAD_VALUE);
            }
            Err(e) => {
                refuse(format!("bad handshake: {e}"));
                return Err(e);
            }
        };
        let socket = || {
            stream
                .try_clone()
                .map_err(|e| crate::runtime::io_status(&e))
        };
        let transport: Box<dyn Transport> = match fds.first() {
            Some(memfd)
                if proposed == TRANSPORT_SHM
                    && rt.config.transport == crate::runtime::TransportKind::SharedMemory =>
            {
                match ShmTransport::open(socket()?, memfd, ring_size as usize, rt.config.spin) {
                    Ok(mut rings) => {
                        rings.set_send_timeout(rt.config.send_timeout);
                        Box::new(rings)
                    }
                    Err(e) => {
                        refuse(format!("unusable shared rings: {e}"));
                        return Err(StatusCode::BAD_VALUE);
                    }
                }
            }
            _ => Box::new(UnixTransport::new(socket()?, rt.config.send_timeout)),
        };
        let accepted = if transport.kind() == "shm" {
            TRANSPORT_SHM
        } else {
            TRANSPORT_SOCKET
        };
        let conn = Connection::new(transport, peer, address, peer_max, false);
        if root.is_some() {
            // The peer may hand the root on to a third process, which must reach us.
            rt.ensure_reachable()?;
        }
        let root = root.map(|root| rt.nodes.export(root, conn.id));
        let hello = Message::Hello {
            version: PROTOCOL_VERSION,
            address: rt.address.clone(),
            max_transaction: rt.max_transaction_u32(),
            transport: accepted,
            ring_size,
            root,
        };
        // Registered before the peer hears back, so a peer that connects again at
        // once is counted against its uid's limit with this connection included.
        rt.register(&conn);
        if let Err(e) = send_on(&stream, &hello, &[]) {
            conn.close("");
            return Err(e);
        }
        let _ = stream.set_read_timeout(None);
        rt.pool.watch_connection(&conn);
        Ok(conn)
    }
}
