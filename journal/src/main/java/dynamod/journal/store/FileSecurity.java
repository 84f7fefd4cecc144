package dynamod.journal.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Who may read the journal: only its owner (root on a booted system), or also one group. Directories are 0700
 * (0750), files 0600 (0640). The directory mode alone already keeps others out; files are set too, so a copied
 * file keeps its protection.
 */
public final class FileSecurity {

    private final Optional<GroupPrincipal> group;
    private final Set<PosixFilePermission> directoryMode;
    private final Set<PosixFilePermission> fileMode;
    private final boolean readOnly;

    public FileSecurity(Path anyPath, Optional<String> groupName, boolean readOnly) throws IOException {
        this.readOnly = readOnly;
        this.group = groupName.isEmpty() ? Optional.empty()
                : Optional.of(anyPath.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(groupName.get()));
        this.directoryMode = PosixFilePermissions.fromString(group.isPresent() ? "rwxr-x---" : "rwx------");
        this.fileMode = PosixFilePermissions.fromString(group.isPresent() ? "rw-r-----" : "rw-------");
    }

    /** Creates the directory (and parents) if missing, and protects it. */
    public void directory(Path dir) throws IOException {
        if (readOnly) {
            if (!Files.isDirectory(dir)) throw new java.nio.file.NoSuchFileException(dir + " (no journal there)");
            return;
        }
        Files.createDirectories(dir);
        protect(dir, directoryMode);
    }

    /** Protects a file the journal created (Chronicle's cycle files, our own small files). */
    public void file(Path file) {
        if (readOnly || !Files.isRegularFile(file)) return;
        try {
            protect(file, fileMode);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot protect " + file, e);
        }
    }

    private void protect(Path path, Set<PosixFilePermission> mode) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        if (view == null) return; // not a POSIX file system: nothing to set
        if (group.isPresent()) view.setGroup(group.get());
        view.setPermissions(mode);
    }

    /** Makes a directory's entries durable (a new file is not on disk until its directory is). */
    public void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sync directory " + dir, e);
        }
    }

    /** Writes a small file atomically: a temporary file, synced, renamed over the target. */
    public void writeAtomically(Path target, byte[] content, boolean durable) throws IOException {
        Path temporary = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(java.nio.ByteBuffer.wrap(content));
            if (durable) channel.force(true);
        }
        file(temporary);
        Files.move(temporary, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        if (durable) syncDirectory(target.getParent());
    }
}
