package golden.basic;

import golden.basic.IPrimitives;

interface ICallbacks {
    void register(IPrimitives cb);
    void maybeRegister(@nullable IPrimitives cb);
    IPrimitives get();
    @nullable IPrimitives maybeGet();
    IPrimitives[] all(in IPrimitives[] cbs);
    List<IPrimitives> allList(in List<IPrimitives> cbs);
    IBinder raw(IBinder b, @nullable IBinder maybe);
    ParcelFileDescriptor fd(in ParcelFileDescriptor fd, in @nullable ParcelFileDescriptor maybe);
}
