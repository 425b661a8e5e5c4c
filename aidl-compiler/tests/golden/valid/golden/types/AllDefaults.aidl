package golden.types;

import golden.types.Color;
import golden.types.IntEnum;

parcelable AllDefaults {
    boolean z = true;
    byte b = -7;
    char c = 'A';
    int i = 0x7FFFFFFF;
    long l = -1L;
    float f = 0.5f;
    double d = 1e10;
    String s = "text";
    @nullable String ns = "maybe";
    @nullable String none;
    @utf8InCpp String u = "utf8";
    int[] ints = {1, 2, 3};
    byte[] bytes = {-1, 0, 127};
    String[] strs = {"a", "b"};
    @nullable String[] nstrs = {"x"};
    List<String> list = {"l"};
    int[2] fixed = {4, 5};
    Color color = Color.GREEN;
    IntEnum e = IntEnum.C;
    IntEnum[] es = {IntEnum.A, IntEnum.B};
    double inf = 1.0 / 0.0;
    Point point;
    @nullable Point maybePoint;
}
