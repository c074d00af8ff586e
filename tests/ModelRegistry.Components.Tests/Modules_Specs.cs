using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelRegistry.Evaluation;
using ModelRegistry.Host;
using ModelRegistry.Promotion;
using Quartz;

namespace ModelRegistry.Components.Tests;

/// <summary>The host's composition (<see cref="RegistryHost.Compose"/>): a module that is not selected adds nothing.</summary>
public class Modules_Specs
{
    private static readonly System.Reflection.Assembly PromotionAssembly = typeof(PromotionModule).Assembly;

    private static (ServiceCollection Services, IReadOnlyList<string> Modules, IReadOnlyList<string> Errors) Compose(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
        var services = new ServiceCollection();
        var (modules, _, errors) = RegistryHost.Compose(services, configuration);
        return (services, modules.Select(m => m.Name).ToList(), errors);
    }

    private static bool FromPromotion(ServiceDescriptor d) =>
        d.ServiceType.Assembly == PromotionAssembly || d.ImplementationType?.Assembly == PromotionAssembly
        || (d.ServiceType.IsGenericType && d.ServiceType.GetGenericArguments().Any(a => a.Assembly == PromotionAssembly));

    [Fact]
    public void An_evaluation_host_needs_no_promotion_setting_and_has_none_of_its_services_consumers_or_the_scheduler()
    {
        var (services, modules, errors) = Compose(("Workers", "evaluation"));
        Assert.Empty(errors); // no Promotion:PolicyFile, no ticketing secrets, no approvers
        Assert.Equal(["evaluation"], modules);
        Assert.Contains(services, d => d.ServiceType == typeof(EvaluationStore));
        Assert.DoesNotContain(services, FromPromotion);
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(ISchedulerFactory));
    }

    [Fact]
    public void A_promotion_host_requires_the_promotion_settings_and_joins_the_scheduler()
    {
        var (_, _, errors) = Compose(("Workers", "promotion"));
        Assert.Contains(errors, e => e.Contains("Promotion:PolicyFile", StringComparison.Ordinal));

        var policy = Path.Combine(Path.GetTempPath(), $"mreg-modules-{Guid.NewGuid():N}.json");
        File.WriteAllText(policy, ModelRegistry.Testing.TestPolicies.Standard());
        try
        {
            var (services, modules, ok) = Compose(("Workers", "promotion"), ("Promotion:PolicyFile", policy));
            Assert.Empty(ok);
            Assert.Equal(["promotion"], modules);
            Assert.Contains(services, d => d.ServiceType == typeof(PromotionWorkflow));
            Assert.Contains(services, d => d.ServiceType == typeof(ISchedulerFactory));
            Assert.DoesNotContain(services, d => d.ServiceType == typeof(EvaluationStore));
        }
        finally
        {
            File.Delete(policy);
        }
    }
}
