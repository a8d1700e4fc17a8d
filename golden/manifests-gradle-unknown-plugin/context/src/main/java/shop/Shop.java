package shop;

public final class Shop {}
