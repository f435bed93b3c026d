"""Pictures: perceptual hashes of the pictures a fake travels with, reading the words in a
screenshot or meme (Tesseract OCR, in a process pool), the picture index and its storage."""
