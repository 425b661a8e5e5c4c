package example.fd;

/** A blob handed out as a file descriptor: the bytes never travel in a parcel. */
parcelable Blob {
    /** A sealed memfd (no writes, no resizing) holding `size` bytes. */
    ParcelFileDescriptor fd;
    long size;
    /** FNV-1a (64-bit) of the bytes, so the reader can check what it mapped. */
    long checksum;
}
