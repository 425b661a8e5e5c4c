package example.app;

import example.app.IDocument;

/** What the editor app publishes for other apps. */
interface IEditor {
    /**
     * Opens a document another app shares: `doc` is that app's object (called back
     * for its title), `contents` a file descriptor to read the text from. Returns the
     * number of bytes read.
     */
    long open(IDocument doc, in ParcelFileDescriptor contents);
}
