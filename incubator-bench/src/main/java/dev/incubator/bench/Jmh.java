package dev.incubator.bench;

/** Runs JMH benchmarks of this module: {@code ./bench Jmh SchedulerCycleBench -f 1 -wi 3 -i 5}. */
public final class Jmh {
    private Jmh() {
    }

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(args);
    }
}
