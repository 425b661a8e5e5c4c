package golden.behave;

union Payload {
    int number;
    String text;
    Item item;
    Kind kind;
}
