"""Media playback: the libvlc-backed ``VideoPlayer`` (frames as ``QImage``) and timecodes."""
