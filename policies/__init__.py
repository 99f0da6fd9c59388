"""CrossGuard policy pack: pure rules shared by `pulumi preview` and `scaling plan`."""
