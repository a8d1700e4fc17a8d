package shop;

public final class Web {}
