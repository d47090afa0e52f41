package archive

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir takes the archive's lock (flock on archive.lock), so two
// archivers never write one archive.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock archive: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock archive %s: in use by another archiver: %w", dir, err)
	}
	return f, nil
}

// unlockDir releases the lock.
func unlockDir(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	_ = f.Close()
}
