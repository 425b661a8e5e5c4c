package golden.behave;

interface ICallback {
    oneway void onEvent(int n);
    int twice(int v);
}
