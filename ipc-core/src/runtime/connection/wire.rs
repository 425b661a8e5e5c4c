//! Parcels to and from their wire form: objects exported or resolved, descriptors
//! moved to and from the frame.

use super::*;

impl Connection {
    /// Turns an outgoing parcel into its wire form: local objects are exported (and
    /// counted for this peer), proxies become references to their owner, and file
    /// descriptors move to the frame.
    ///
    /// Also returns the parcel's binders, which the caller keeps alive until the
    /// frame is sent (and, for a two-way call, answered), so that a proxy dropped
    /// with the parcel cannot release its object before the peer references it.
    pub(super) fn to_wire(
        &self,
        parcel: Parcel,
    ) -> Result<(WireParcel, Vec<OwnedFd>, Vec<SpIBinder>)> {
        let rt = runtime();
        let (data, objects, blob) = parcel.into_parts();
        if objects.len() > rt.config.max_objects_per_parcel {
            tracing::error!(
                objects = objects.len(),
                max = rt.config.max_objects_per_parcel,
                "too many objects in a parcel"
            );
            return Err(StatusCode::BAD_VALUE);
        }
        // Check everything that can fail before exporting (and counting) anything.
        let mut fd_count = 0;
        for entry in &objects {
            match &entry.object {
                Object::Fd(Some(_)) => fd_count += 1,
                Object::Fd(None) => return Err(StatusCode::BAD_VALUE),
                Object::Binder(binder) => {
                    if binder.is_remote()
                        && binder.object().as_any().downcast_ref::<Proxy>().is_none()
                    {
                        // Only proxies of this runtime can cross processes.
                        return Err(StatusCode::BAD_TYPE);
                    }
                }
            }
            u32::try_from(entry.offset).map_err(|_| StatusCode::BAD_VALUE)?;
        }
        if fd_count > protocol::MAX_FDS_PER_FRAME {
            return Err(StatusCode::FDS_NOT_ALLOWED);
        }
        let mut wire = WireParcel {
            data,
            blob: blob.map(Box::new),
            objects: Vec::with_capacity(objects.len()),
        };
        let mut fds = Vec::with_capacity(fd_count);
        let mut keep = Vec::new();
        for entry in objects {
            let offset = u32::try_from(entry.offset).map_err(|_| StatusCode::BAD_VALUE)?;
            match entry.object {
                Object::Fd(Some(fd)) => {
                    fds.push(fd);
                    wire.objects.push(WireObject::Fd { offset });
                }
                Object::Fd(None) => return Err(StatusCode::BAD_VALUE),
                Object::Binder(binder) => {
                    let reference = match binder.object().as_any().downcast_ref::<Proxy>() {
                        Some(proxy) => WireRef {
                            owner: proxy.owner.clone(),
                            id: proxy.id,
                            token: proxy.token,
                        },
                        None => {
                            rt.ensure_reachable()?;
                            let (id, token) = rt.nodes.export(&binder, self.id);
                            WireRef {
                                owner: rt.address.clone(),
                                id,
                                token,
                            }
                        }
                    };
                    wire.objects.push(WireObject::Binder { offset, reference });
                    keep.push(binder);
                }
            }
        }
        if self.is_dead() {
            // The connection died while we exported to it: its references were
            // already dropped once; drop the ones just counted too.
            rt.nodes.drop_connection(self.id);
        }
        Ok((wire, fds, keep))
    }

    /// Resolves the references to this process's own objects in a received parcel,
    /// in order (`None` for an object that no longer exists). A wrong token is a
    /// protocol violation.
    pub(super) fn pin_local(
        &self,
        wire: &WireParcel,
    ) -> std::result::Result<Vec<Option<SpIBinder>>, String> {
        let rt = runtime();
        let mut pinned = Vec::new();
        for object in &wire.objects {
            if let WireObject::Binder { reference, .. } = object
                && reference.owner == rt.address
            {
                match rt.nodes.lookup(reference.id, &reference.token) {
                    Ok(target) => pinned.push(Some(target.binder)),
                    Err(LookupError::Unknown) => pinned.push(None),
                    Err(LookupError::BadToken) => {
                        return Err(format!(
                            "reference to object {} with a wrong token",
                            reference.id
                        ));
                    }
                }
            }
        }
        Ok(pinned)
    }

    /// Turns a received wire parcel into a parcel: references become local objects
    /// or proxies, descriptors are attached in order.
    pub(crate) fn from_wire(
        self: &Arc<Self>,
        wire: WireParcel,
        fds: Vec<OwnedFd>,
        pinned: Vec<Option<SpIBinder>>,
    ) -> Result<Parcel> {
        let rt = runtime();
        let mut fds = fds.into_iter();
        let mut pinned = pinned.into_iter();
        let mut objects = Vec::with_capacity(wire.objects.len());
        for object in wire.objects {
            match object {
                WireObject::Fd { offset } => {
                    let fd = fds.next().ok_or(StatusCode::BAD_VALUE)?;
                    objects.push(ObjectEntry::fd(offset as usize, fd));
                }
                WireObject::Binder { offset, reference } => {
                    let binder = if reference.owner == rt.address {
                        pinned.next().flatten().ok_or(StatusCode::BAD_VALUE)?
                    } else if reference.owner == self.peer_address {
                        proxy_for(self, &reference, 1)?
                    } else {
                        proxy_for(self, &reference, 0)?
                    };
                    objects.push(ObjectEntry::binder(offset as usize, binder));
                }
            }
        }
        Parcel::from_parts(wire.data, objects, wire.blob.map(|blob| *blob))
    }
}
