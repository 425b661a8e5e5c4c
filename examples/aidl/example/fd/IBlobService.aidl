package example.fd;

import example.fd.Blob;

interface IBlobService {
    /** A blob of `size` bytes of a fixed pattern (at most 256 MiB). */
    Blob getBlob(long size);
}
