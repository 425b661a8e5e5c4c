parcelable ListOfPrimitive {
    List<int> ints;
    List raw;
    Map<String, String> map;
    int[][] jagged;
}
