interface OnewayReturn {
    oneway int count();
}
