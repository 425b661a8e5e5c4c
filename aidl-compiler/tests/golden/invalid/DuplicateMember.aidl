parcelable DuplicateMember {
    int a;
    String a;
    const int a = 1;
}
