package golden.basic;

interface IStrings {
    String concat(String a, String b);
    @nullable String maybe(@nullable String s);
    @utf8InCpp String utf8(@utf8InCpp String s);
    @nullable @utf8InCpp String maybeUtf8(@nullable @utf8InCpp String s);
    String[] split(String s);
    @nullable String[] maybeSplit(in @nullable String[] parts);
    List<String> list(in List<String> l);
    @utf8InCpp List<String> utf8List(in @utf8InCpp List<String> l);
    void fill(out String[] out1, inout List<String> both);
    void fillUtf8(out @utf8InCpp String[] out1, inout @utf8InCpp String[] both);
}
