// SPDX-License-Identifier: Apache-2.0
// memgate calibration workload for the JVM: shapes what a JVM needs beyond its heap.
//
//   java [heap options] -cp DIR CalibJvm CLASSES THREADS DIRECT_MIB FILL_PERCENT SETTLE_SECONDS
//
// 1. loads CLASSES classes (loaded, not initialised) from the JDK's own jrt:/ image, first through
//    the application class loader; when the image has too few, the rest are defined again from the
//    same bytes in fresh child-first class loaders (realistic class sizes, no java.* names);
// 2. starts THREADS live threads that park;
// 3. fills the heap with live data to FILL_PERCENT of the max heap (pre-touch with -Xms=-Xmx and
//    -XX:+AlwaysPreTouch makes every heap page resident anyway);
// 4. allocates DIRECT_MIB MiB of direct buffers (zeroed by the JDK, so resident);
// 5. keeps the live data and sleeps SETTLE_SECONDS so the JIT and malloc arenas settle; exits 0.
// It prints one JSON line with what it reached, so the harness can check the shape was real.
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

public class CalibJvm {
        static final List<Object> keep = new ArrayList<>();

        static long loaded() {
                return ManagementFactory.getClassLoadingMXBean().getLoadedClassCount();
        }

        static String className(Path p) {
                // /modules/<module>/a/b/C.class -> a.b.C
                String s = p.toString();
                int i = s.indexOf('/', "/modules/".length());
                if (i < 0)
                        return null;
                s = s.substring(i + 1, s.length() - ".class".length());
                if (s.endsWith("module-info") || s.endsWith("package-info"))
                        return null;
                return s.replace('/', '.');
        }

        /* Child-first loader for a set of JDK classes outside java.*: defines them again from the
         * jrt bytes, delegates everything else to the application loader. */
        static final class Copier extends ClassLoader {
                final FileSystem fs;
                final java.util.Map<String, Path> mine;

                Copier(FileSystem fs, java.util.Map<String, Path> mine) {
                        super(ClassLoader.getSystemClassLoader());
                        this.fs = fs;
                        this.mine = mine;
                }

                @Override
                protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                        synchronized (getClassLoadingLock(name)) {
                                Path p = mine.get(name);
                                if (p == null)
                                        return super.loadClass(name, resolve);
                                Class<?> c = findLoadedClass(name);
                                if (c != null)
                                        return c;
                                try {
                                        byte[] b = Files.readAllBytes(p);
                                        return defineClass(name, b, 0, b.length);
                                } catch (java.io.IOException e) {
                                        throw new ClassNotFoundException(name, e);
                                }
                        }
                }
        }

        static void loadClasses(long want) throws Exception {
                FileSystem fs = FileSystems.getFileSystem(URI.create("jrt:/"));
                List<Path> all = new ArrayList<>();
                try (Stream<Path> s = Files.walk(fs.getPath("/modules"))) {
                        s.filter(p -> p.toString().endsWith(".class")).forEach(all::add);
                }
                ClassLoader app = ClassLoader.getSystemClassLoader();
                for (Path p : all) {
                        if (loaded() >= want)
                                return;
                        String n = className(p);
                        if (n == null)
                                continue;
                        try {
                                keep.add(Class.forName(n, false, app));
                        } catch (Throwable t) {
                                // not in the boot layer, or fails to load: skip it
                        }
                }
                // Not enough in the image: copies in fresh loaders, 2000 classes each.
                List<Path> copyable = new ArrayList<>();
                for (Path p : all) {
                        String n = className(p);
                        if (n != null && !n.startsWith("java."))
                                copyable.add(p);
                }
                int round = 0;
                while (loaded() < want && round < 50) {
                        for (int off = 0; off < copyable.size() && loaded() < want; off += 2000) {
                                java.util.Map<String, Path> mine = new java.util.HashMap<>();
                                for (Path p : copyable.subList(off, Math.min(off + 2000, copyable.size())))
                                        mine.put(className(p), p);
                                Copier c = new Copier(fs, mine);
                                keep.add(c);
                                for (String n : mine.keySet()) {
                                        if (loaded() >= want)
                                                break;
                                        try {
                                                keep.add(c.loadClass(n));
                                        } catch (Throwable t) {
                                                // e.g. a class sealed to its module: skip it
                                        }
                                }
                        }
                        round++;
                }
        }

        public static void main(String[] a) throws Exception {
                long classes = Long.parseLong(a[0]);
                int threads = Integer.parseInt(a[1]);
                long directMiB = Long.parseLong(a[2]);
                int fill = Integer.parseInt(a[3]);
                long settle = Long.parseLong(a[4]);

                loadClasses(classes);

                for (int i = 0; i < threads; i++) {
                        Thread t = new Thread(() -> {
                                for (;;)
                                        LockSupport.park();
                        }, "calib-" + i);
                        t.setDaemon(true);
                        t.start();
                }

                Runtime rt = Runtime.getRuntime();
                long target = rt.maxMemory() / 100 * fill;
                List<byte[]> live = new ArrayList<>();
                while (rt.totalMemory() - rt.freeMemory() < target)
                        live.add(new byte[256 * 1024]);
                keep.add(live);

                List<ByteBuffer> direct = new ArrayList<>();
                for (long i = 0; i < directMiB; i++)
                        direct.add(ByteBuffer.allocateDirect(1024 * 1024));
                keep.add(direct);

                Thread.sleep(settle * 1000);
                System.out.printf("{\"loaded_classes\": %d, \"threads\": %d, \"heap_used\": %d, \"heap_max\": %d, \"direct_mib\": %d}%n",
                                  loaded(), ManagementFactory.getThreadMXBean().getThreadCount(),
                                  rt.totalMemory() - rt.freeMemory(), rt.maxMemory(), direct.size());
                System.exit(0);
        }
}
