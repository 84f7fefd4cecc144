package dynamod.vmtest;

import java.nio.file.Path;

/** An image description for the harness's unit tests: paths under /b that need not exist (no QEMU is started). */
final class TestImage {

    static final VmImage IMAGE = new VmImage(Path.of("/b/vmlinuz"), "6.1.0-57-cloud-amd64", Path.of("/b/initramfs.cpio"),
            Path.of("/b/root.ext4"), Path.of("/b/root-gpt.img"), "5a1e0d00-d1a0-4000-8000-000000000001", "dynamod-root",
            "5a1e0d00-d1a0-4000-8000-0000000000d1", Path.of("/b/data.ext4"), "dynamod-data");

    private TestImage() {}
}
