package dynamod.ctl;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A build step: rewrites the classes of a jar that are older than Java 8's class file format (picocli ships Java 5's)
 * as Java 8 class files, with stack maps computed by the JDK's ClassFile API, in place. The JVM verifies such old
 * classes with its slow inference verifier and will not store them linked in an AOT cache; rewritten, dynamodctl's
 * cache holds them, which cuts about a third of the CPU its start costs (docs/dynamodctl.md). The code is the same
 * code: only the version and the verifier's stack maps change. Classes already Java 8 or newer are copied as they are,
 * so a second run changes nothing. Usage: {@code UpgradeClassFiles JAR...}.
 */
public final class UpgradeClassFiles {

    private UpgradeClassFiles() {}

    public static void main(String[] args) throws IOException {
        for (String jar : args) {
            int upgraded = upgrade(Path.of(jar));
            System.out.println(jar + ": " + upgraded + " classes upgraded to Java 8 class files");
        }
    }

    /** Rewrites {@code jar} in place; returns how many classes it upgraded. */
    static int upgrade(Path jar) throws IOException {
        Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
        int upgraded = 0;
        try (URLClassLoader classes = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
                InputStream file = Files.newInputStream(jar);
                ZipInputStream in = new ZipInputStream(file);
                OutputStream target = Files.newOutputStream(tmp);
                ZipOutputStream out = new ZipOutputStream(target)) {
            // Stack maps need the class hierarchy: the jar's own classes, then the JDK's.
            ClassFile classFile = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS, ClassFile.ClassHierarchyResolverOption.of(
                    ClassHierarchyResolver.defaultResolver().orElse(ClassHierarchyResolver.ofResourceParsing(classes))));
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                byte[] bytes = in.readAllBytes();
                if (entry.getName().endsWith(".class") && !entry.getName().startsWith("META-INF/")) {
                    ClassModel model = classFile.parse(bytes);
                    if (model.majorVersion() < ClassFile.JAVA_8_VERSION) {
                        bytes = classFile.transformClass(model, (builder, element) -> {
                            switch (element) {
                                case ClassFileVersion v -> builder.withVersion(ClassFile.JAVA_8_VERSION, 0);
                                // Re-emitting the code is what makes the builder compute its stack maps.
                                case MethodModel m -> builder.transformMethod(m, MethodTransform.transformingCode(CodeTransform.ACCEPT_ALL));
                                default -> builder.with(element);
                            }
                        });
                        upgraded++;
                    }
                }
                ZipEntry copy = new ZipEntry(entry.getName());
                copy.setTime(entry.getTime());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        }
        if (upgraded > 0) Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING);
        else Files.delete(tmp);
        return upgraded;
    }
}
