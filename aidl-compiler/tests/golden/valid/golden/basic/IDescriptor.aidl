package golden.basic;

@Descriptor(value="android.os.ICustomName")
interface IDescriptor {
    void call();
}
