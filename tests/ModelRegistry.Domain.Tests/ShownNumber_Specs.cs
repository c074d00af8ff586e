using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Domain.Tests;

/// <summary>Numbers shown to people (approval evidence, versions show) carry no binary floating-point noise.</summary>
public class ShownNumber_Specs
{
    [Theory]
    [InlineData(0.94, 0.90, "0.04")] // 0.039999999999999925 in double arithmetic
    [InlineData(0.93, 0.91, "0.02")] // 0.020000000000000018
    [InlineData(0.912, 0.9, "0.012")]
    [InlineData(38.5, 40, "-1.5")]
    [InlineData(0.9400001, 0.94, "1E-07")] // a real difference in the seventh place survives
    [InlineData(212, 212, "0")]
    [InlineData(1e30, 1, "1E+30")] // beyond decimal's range: in double, rounded
    public void Differences_are_taken_in_decimal(double a, double b, string shown) =>
        Assert.Equal(shown, ShownNumber.Text(ShownNumber.Difference(a, b)));

    [Theory]
    [InlineData(0.1 + 0.2, "0.3")]
    [InlineData(0.934, "0.934")]
    [InlineData(1234567.891, "1234567.891")]
    [InlineData(0.123456789012345678, "0.123456789012346")] // 15 significant digits
    [InlineData(-0.02, "-0.02")]
    [InlineData(1e-300, "1E-300")]
    public void Values_keep_at_most_15_significant_digits(double value, string shown) =>
        Assert.Equal(shown, ShownNumber.Text(value));

    [Fact]
    public void A_rounded_value_is_the_double_nearest_its_text() =>
        Assert.Equal(0.3, ShownNumber.Of(0.1 + 0.2));
}
