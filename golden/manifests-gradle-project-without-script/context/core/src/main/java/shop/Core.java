package shop;

public final class Core {}
