package dev.incubator.compute;

/** How urgently a job runs and whether it may be preempted at will. Declared from most to least urgent. */
public enum PriorityClass { HIGH, NORMAL, PREEMPTIBLE }
