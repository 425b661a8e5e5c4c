parcelable BadArraySize {
    int[0] empty;
    int[-1] negative;
    int["3"] text;
    int[2] wrongCount = {1, 2, 3};
}
