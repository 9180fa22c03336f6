namespace PptpGw.Dataplane;

/// <summary>Anchor for reflection over this assembly (benchmarks, tests).</summary>
public static class AssemblyMarker;
