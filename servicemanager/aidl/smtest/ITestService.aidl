package smtest;

/** A tiny service the service-manager tests register, find and call. */
interface ITestService {
    /** `value + 1` (transaction code 1: `servicectl call NAME 1 i32 41`). */
    int addOne(int value);
    /** `text` back (code 2). */
    @utf8InCpp String echo(@utf8InCpp String text);
    /** The serving process's pid (code 3). */
    int pid();
    /** The text read from `fd` (code 4: `servicectl call NAME 4 fd PATH`). */
    @utf8InCpp String readFd(in ParcelFileDescriptor fd);
}
