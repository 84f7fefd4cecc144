package dynamod.init.pid1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dynamod.linux.Kernel;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** /etc/fstab's parsing and what the real-root phase plans from it. */
class FstabTest {

    static final String FSTAB = """
            # /etc/fstab: static file system information.
            #
            # <file system>                           <mount point>   <type>  <options>          <dump> <pass>
            UUID=5A1E0D00-D1A0-4000-8000-000000000001 /               ext4    errors=remount-ro  0      1

            LABEL=dynamod-data                        /data           auto    nofail,x-systemd.device-timeout=5s 0 2
            PARTLABEL=home\\040disk                   /home/my\\040files  xfs  noatime,nodev      0      2
            /dev/vdc1                                 /srv            ext4    defaults,ro,comment=x-gvfs-show
            tmpfs                                     /tmp            tmpfs   mode=1777,nosuid,size=20%  0 0
            proc                                      /proc           proc    defaults           0      0
            UUID=0a0a0a0a-1111-2222-3333-444444444444 none            swap    sw,pri=5           0      0
            server:/export                            /net/export     nfs     rw,_netdev         0      0
            /dev/sr0                                  /media/cdrom    iso9660 user,noauto        0      0
            /srv/www                                  /var/www        none    bind,ro            0      0
            """;

    @Test
    void everyFieldAndEscapeAsMountReadsThem() {
        Fstab f = Fstab.parse(FSTAB, "/etc/fstab");
        assertEquals(List.of(), f.problems());
        assertEquals(10, f.entries().size());
        Fstab.Entry root = f.entries().getFirst();
        assertEquals(new Fstab.Entry("/etc/fstab:4", "UUID=5A1E0D00-D1A0-4000-8000-000000000001", "/", "ext4", "errors=remount-ro", 1), root);
        assertEquals(Optional.of(new RootSpec.FsUuid("5a1e0d00-d1a0-4000-8000-000000000001")), root.device());
        Fstab.Entry home = f.entries().get(2);
        assertEquals("/home/my files", home.mountPoint());
        assertEquals(Optional.of(new RootSpec.PartLabel("home disk")), home.device());
        assertEquals(Optional.of(new RootSpec.Label("dynamod-data")), f.entries().get(1).device());
        assertEquals(Optional.of(new RootSpec.DevicePath("/dev/vdc1")), f.entries().get(3).device());
        assertEquals(Optional.empty(), f.entries().get(4).device(), "tmpfs is no device");
        assertEquals(Optional.empty(), f.entries().get(7).device(), "an NFS export is no device");
        Fstab.Entry srv = f.entries().get(3);
        assertEquals(0, srv.passNo(), "dump and pass left out are 0");
    }

    @Test
    void optionsForMountAreNotGivenToTheKernel() {
        Fstab f = Fstab.parse(FSTAB, "/etc/fstab");
        Fstab.Entry data = f.entries().get(1);
        assertTrue(data.nofail());
        assertEquals(MountOptions.NONE, data.mountOptions(), "nofail and x-systemd.* are mount(8)'s, not the kernel's");
        assertEquals(new MountOptions(Kernel.MS_RDONLY, 0, ""), f.entries().get(3).mountOptions(), "defaults, comment= dropped");
        assertEquals(new MountOptions(Kernel.MS_NOSUID, 0, "mode=1777,size=20%"), f.entries().get(4).mountOptions());
        assertEquals(new MountOptions(Kernel.MS_NOATIME | Kernel.MS_NODEV, 0, ""), f.entries().get(2).mountOptions());
        assertEquals(new MountOptions(Kernel.MS_BIND | Kernel.MS_RDONLY, 0, ""), f.entries().get(9).mountOptions());
        assertEquals(new MountOptions(0, Kernel.MS_RDONLY, ""), f.entries().get(7).mountOptions(), "_netdev dropped");
        assertTrue(f.entries().get(7).network());
        assertTrue(f.entries().get(8).noauto());
        assertTrue(f.entries().get(6).swap());
        assertEquals("/etc/fstab:4", f.entries().getFirst().file());
    }

    @Test
    void aBadLineIsSaidWithItsLineNumberAndTheOthersStillCount() {
        String text = """
                UUID=5a1e0d00-d1a0-4000-8000-000000000001 / ext4 defaults 0 1
                /dev/vdb1
                LABEL= /broken ext4 defaults
                /dev/vdb2 relative/dir ext4 defaults
                /dev/vdb3 /data ext4 defaults zero 2
                /dev/vdb4 /big ext4 defaults 0 2 extra
                /dev/vdb5 /a/../etc ext4 defaults
                tmpfs /tmp tmpfs defaults
                """;
        Fstab f = Fstab.parse(text, "/etc/fstab");
        assertEquals(List.of("/", "/tmp"), f.entries().stream().map(Fstab.Entry::mountPoint).toList());
        assertEquals(List.of(
                "/etc/fstab:2: expected SOURCE MOUNTPOINT TYPE [OPTIONS [DUMP [PASS]]] (line skipped: /dev/vdb1)",
                "/etc/fstab:3: LABEL=: nothing after '=' (line skipped: LABEL= /broken ext4 defaults)",
                "/etc/fstab:4: the mount point relative/dir is not an absolute path (line skipped: /dev/vdb2 relative/dir ext4 defaults)",
                "/etc/fstab:5: the dump field is zero, not a number (line skipped: /dev/vdb3 /data ext4 defaults zero 2)",
                "/etc/fstab:6: more than 6 fields (a blank in a field is written \\040) (line skipped: /dev/vdb4 /big ext4 defaults 0 2 extra)",
                "/etc/fstab:7: the mount point /a/../etc has '..' in it (line skipped: /dev/vdb5 /a/../etc ext4 defaults)"),
                f.problems());
        // the plan of what parsed: the bad lines are simply not in it
        assertEquals(List.of(new FstabPlan.Step.RemountRoot(f.entries().get(0)), new FstabPlan.Step.Mount(f.entries().get(1))),
                FstabPlan.plan(f, MountTable.EMPTY));
    }

    @Test
    void mountPointsAreNormalizedAndTabsSeparate() {
        Fstab f = Fstab.parse("/dev/vdb\t/data//x/\text4\tdefaults\n/dev/vdc /srv/./y/ ext4\n", "/etc/fstab");
        assertEquals(List.of("/data/x", "/srv/y"), f.entries().stream().map(Fstab.Entry::mountPoint).toList());
        assertEquals("defaults", f.entries().get(1).options());
    }

    @Test
    void thePlanRemountsRootFirstSkipsWhatItCannotMountAndMountsTheRestInOrder() {
        Fstab f = Fstab.parse(FSTAB, "/etc/fstab");
        MountTable mounted = MountTable.parse(PlansTest.MOUNTINFO); // /proc and friends, and a disk on /home
        List<FstabPlan.Step> plan = FstabPlan.plan(f, mounted);
        List<Fstab.Entry> e = f.entries();
        assertEquals(List.of(
                new FstabPlan.Step.RemountRoot(e.get(0)),
                new FstabPlan.Step.Skip(e.get(5), "already mounted", true),
                new FstabPlan.Step.Skip(e.get(6), "swap is not turned on: dynamod-init does not call swapon yet", false),
                new FstabPlan.Step.Skip(e.get(7), "a network filesystem: dynamod-init brings up no network to mount it on", false),
                new FstabPlan.Step.Mount(e.get(1)),
                new FstabPlan.Step.Mount(e.get(2)),
                new FstabPlan.Step.Mount(e.get(3)),
                new FstabPlan.Step.Mount(e.get(4)),
                new FstabPlan.Step.Mount(e.get(9))), plan, "noauto /media/cdrom is not in the plan");
    }

    @Test
    void aParentIsMountedBeforeWhatIsInsideItAndALineTwiceIsSkipped() {
        String text = """
                /dev/vdb1 /srv/www/static ext4 defaults
                /dev/vdb2 /var/lib ext4 defaults
                /dev/vdb3 /srv ext4 defaults
                /dev/vdb4 /database ext4 defaults
                /dev/vdb5 /srv/www ext4 defaults
                /dev/vdb6 /var ext4 defaults
                /dev/vdb7 /var ext4 defaults
                """;
        Fstab f = Fstab.parse(text, "/etc/fstab");
        List<FstabPlan.Step> plan = FstabPlan.plan(f, MountTable.EMPTY);
        assertEquals(new FstabPlan.Step.Skip(f.entries().get(6), "/var is listed already (/etc/fstab:6)", false), plan.getFirst());
        assertEquals(List.of("/srv", "/srv/www", "/srv/www/static", "/var", "/var/lib", "/database"),
                plan.stream().skip(1).map(s -> s.entry().mountPoint()).toList());
    }

    @Test
    void insideMeansBelowNotAPrefixOfTheName() {
        assertTrue(MountTable.isInside("/data/x", "/data"));
        assertTrue(MountTable.isInside("/data", "/"));
        assertFalse(MountTable.isInside("/database", "/data"));
        assertFalse(MountTable.isInside("/data", "/data"));
    }

    @Test
    void noFstabMeansNothingToDo() {
        assertEquals(List.of(), FstabPlan.plan(Fstab.parse("", "/etc/fstab"), MountTable.EMPTY));
        assertEquals(List.of(), FstabPlan.plan(Fstab.parse("# only a comment\n\n   \n", "/etc/fstab"), MountTable.EMPTY));
    }

    @Test
    void aRootLineThatSaysRoKeepsItReadOnly() {
        Fstab f = Fstab.parse("/dev/vda / ext4 ro,noatime 0 1\n", "/etc/fstab");
        assertEquals(Kernel.MS_RDONLY | Kernel.MS_NOATIME, f.entries().getFirst().mountOptions().applyTo(0));
        assertEquals(0, Fstab.parse("/dev/vda / ext4 defaults 0 1\n", "/etc/fstab").entries().getFirst().mountOptions().applyTo(0),
                "defaults: read-write");
    }
}
