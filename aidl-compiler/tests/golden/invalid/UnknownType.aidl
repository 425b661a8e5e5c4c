interface UnknownType {
    Strng name();
    void take(in Pointt p);
}
