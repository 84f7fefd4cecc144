package dynamod.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.Opcode;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.AccessFlag;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** picocli's Java 5 class files, rewritten as Java 8 ones, still verify and still do the same. */
class UpgradeClassFilesTest {

    /** A Java 5 class (no stack maps) with a branch: {@code static int sign(int x) { return x < 0 ? -1 : 1; }}. */
    private static byte[] java5Class() {
        return ClassFile.of(ClassFile.StackMapsOption.DROP_STACK_MAPS).build(ClassDesc.of("old.Sign"), c -> c
                .withVersion(ClassFile.JAVA_5_VERSION, 0)
                .withFlags(AccessFlag.PUBLIC, AccessFlag.SUPER)
                .withMethodBody("sign", MethodTypeDesc.of(ConstantDescs.CD_int, ConstantDescs.CD_int),
                        ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC,
                        code -> code.iload(0).ifThen(Opcode.IFLT, negative -> negative.iconst_m1().ireturn()).iconst_1().ireturn()));
    }

    @Test
    void oldClassesBecomeJava8ClassesThatVerifyAndRunAlike(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("old.jar");
        try (OutputStream file = Files.newOutputStream(jar); ZipOutputStream out = new ZipOutputStream(file)) {
            out.putNextEntry(new ZipEntry("old/Sign.class"));
            out.write(java5Class());
            out.putNextEntry(new ZipEntry("old/readme.txt"));
            out.write("kept".getBytes());
        }
        assertEquals(1, UpgradeClassFiles.upgrade(jar));
        assertEquals(0, UpgradeClassFiles.upgrade(jar), "a second run finds nothing to do");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            byte[] upgraded = zip.getInputStream(zip.getEntry("old/Sign.class")).readAllBytes();
            assertEquals(ClassFile.JAVA_8_VERSION, ClassFile.of().parse(upgraded).majorVersion());
            assertEquals("kept", new String(zip.getInputStream(zip.getEntry("old/readme.txt")).readAllBytes()));
        }
        // Loading it runs the type-checking verifier, which needs the stack maps the upgrade computed.
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            var sign = loader.loadClass("old.Sign").getMethod("sign", int.class);
            assertEquals(-1, sign.invoke(null, -5));
            assertEquals(1, sign.invoke(null, 7));
        }
    }
}
