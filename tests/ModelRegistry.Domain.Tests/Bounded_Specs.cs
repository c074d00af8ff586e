using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Domain.Tests;

public class Bounded_Specs
{
    [Theory]
    [InlineData(null, 5, "")]
    [InlineData("abc", 5, "abc")]
    [InlineData("abcdef", 3, "abc")]
    [InlineData("a\0b", 5, "a\uFFFDb")]
    [InlineData("ok \U0001F600", 10, "ok \U0001F600")]
    [InlineData("ok \U0001F600", 4, "ok \uFFFD")] // the pair cut in half by the limit
    public void Clip_bounds_the_text_and_makes_it_storable(string? text, int max, string expected) =>
        Assert.Equal(expected, Bounded.Clip(text, max));

    [Fact]
    public void Unpaired_surrogates_become_U_FFFD()
    {
        // Built here: an attribute argument cannot carry an unpaired surrogate intact.
        var high = new string(['a', '\uD800', 'b']);
        var low = new string(['a', '\uDC00']);
        Assert.Equal(("a\uFFFDb", "a\uFFFD"), (Bounded.Clip(high, 5), Bounded.Clip(low, 5)));
    }

    [Fact]
    public void Storable_text_is_returned_as_is() =>
        Assert.Same("plain text", Bounded.Storable("plain text"));
}
