package dynamod.conf;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the example system and the test corpus are, wherever the tests run from. */
final class Examples {

    private Examples() {}

    /** conf/examples: the module's directory is the working directory under Maven. */
    static Path directory() {
        Path here = Path.of("examples");
        return Files.isDirectory(here) ? here : Path.of("conf", "examples");
    }

    static Path brokenCorpus() {
        Path here = Path.of("src/test/resources/broken");
        return Files.isDirectory(here) ? here : Path.of("conf/src/test/resources/broken");
    }
}
