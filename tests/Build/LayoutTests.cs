namespace PptpGw.Tests.Build;

public class LayoutTests
{
    [Fact]
    public void AssembliesCarryTheirNames()
    {
        Assert.Equal("PptpGw.Dataplane", typeof(PptpGw.Dataplane.AssemblyMarker).Assembly.GetName().Name);
    }
}
