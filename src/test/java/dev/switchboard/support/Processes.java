package dev.switchboard.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The processes of this machine that belong to a folder (Linux /proc): their command line names it,
 * or they work in it. Embedded PostgreSQL and Redis both run with their data folder as working
 * directory, so this finds every one of them, children included, whatever their titles.
 */
public final class Processes {

  private Processes() {
  }

  /** One process: its pid, process group and command line. */
  public record Info(long pid, long processGroup, String commandLine) {
  }

  /** The processes whose command line or working directory is {@code dir} or under it. */
  public static List<Info> under(Path dir) {
    String root;
    try {
      root = dir.toRealPath().toString();
    } catch (IOException e) {
      root = dir.toAbsolutePath().normalize().toString();
    }
    List<Info> found = new ArrayList<>();
    try (Stream<Path> all = Files.list(Path.of("/proc"))) {
      for (Path p : all.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        Info info = info(p, root);
        if (info != null) {
          found.add(info);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
    }
    return found;
  }

  private static Info info(Path proc, String root) {
    try {
      String cmd = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ').trim();
      String cwd = "";
      try {
        cwd = Files.readSymbolicLink(proc.resolve("cwd")).toString();
      } catch (IOException | SecurityException ignored) {
        // another user's process: its command line still says whether it is one of ours
      }
      if (!cmd.contains(root) && !(cwd + "/").startsWith(root + "/")) {
        return null;
      }
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so count from ')'
      String stat = Files.readString(proc.resolve("stat"));
      String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return new Info(Long.parseLong(proc.getFileName().toString()), Long.parseLong(after[2]), cmd);
    } catch (IOException | RuntimeException e) {
      // it ended while we looked
      return null;
    }
  }
}
